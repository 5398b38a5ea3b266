// "Play here" on a talk page: put the video's player in place of the link, without
// loading the page again. The link works without this script (it opens ?play=1).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-player]");
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  event.preventDefault();
  const frame = document.createElement("iframe");
  frame.src = link.dataset.player;
  frame.title = link.dataset.title;
  frame.allow = "encrypted-media; picture-in-picture; fullscreen";
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  link.replaceWith(frame);
  frame.focus();
});
