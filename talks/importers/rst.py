"""reStructuredText (or plain text) descriptions turned into the Markdown confnotes renders.

pyvideo.org's descriptions are written in reStructuredText, in plain text, and now
and then in Markdown. Rather than run a second renderer (docutils, slow and with its
own HTML), the common constructs are rewritten as Markdown, so the result goes
through the one pipeline every text goes through (confnotes.markdown: Python-Markdown,
then nh3): links, named references, literal blocks and code directives, headings,
inline literals, roles, bullet and enumerated lists, images, field lists and bare
URLs. What is not recognised stays as text. Markdown already in a description (links,
"## headings", fenced code) passes through unchanged.
"""

import re

from talks.timestamps import render_with_time_codes

# Characters reStructuredText accepts as a section underline (and overline).
_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+:.<>_!$%&,;?@\\/|])\1{2,}\s*$")
_DIRECTIVE = re.compile(r"^\.\.\s+([\w:+-]+)::\s*(.*)$")
_TARGET = re.compile(r"^\.\.\s+_(`[^`]+`|[^:]+):\s*(\S*)\s*$")
_ANONYMOUS_TARGET = re.compile(r"^__\s+(\S+)\s*$")
_COMMENT = re.compile(r"^\.\.(\s|$)")
_BULLET = re.compile(r"^(\s*)([-*+•])\s+")
_ENUMERATED = re.compile(r"^(\s*)(?:\(?(\d+|#|[a-zA-Z])[.)])\s+")
_FIELD = re.compile(r"^:([^:`\s][^:`]*):\s+(.*)$")
_CODE_DIRECTIVES = {"code", "code-block", "sourcecode", "highlight"}
_IMAGE_DIRECTIVES = {"image", "figure"}
_ADMONITIONS = {
    "note", "warning", "tip", "important", "hint", "caution", "danger", "attention",
    "error", "seealso", "admonition",
}  # fmt: skip

# Inline markup.
_EMBEDDED_LINK = re.compile(r"`([^`<>]*?)\s*<([^<>`\s]+)>`__?")
_NAMED_REF = re.compile(r"`([^`<>]+)`__?(?![\w])")
_WORD_REF = re.compile(r"(?<![\w`/])([A-Za-z][\w.-]*[A-Za-z0-9])__?(?![\w/])")
# A role's name starts after anything but a name character, so a long run of
# colons or words is tried once, not from each of its characters (quadratic).
_ROLE_NAME = r"(?<![\w:+-]):[\w+-][\w:+-]*:"
_ROLE = re.compile(_ROLE_NAME + r"`([^`]+)`")
_INLINE_MARKUP = re.compile(rf"(``.+?``|(?:{_ROLE_NAME})?(?<!`)`[^`\n]+`(?!`)(?:__?)?)")
_DOUBLE_LITERAL = re.compile(r"``(.+?)``")
_SINGLE_BACKTICK = re.compile(r"(?<![`\w])`([^`\n]+)`(?![`\w_])")
_BARE_URL = re.compile(r"(?<!\]\()(?<![<\[\"'=`/\w])(https?://[^\s<>\"'`]+)")
_TAG_START = re.compile(r"<(?=[A-Za-z!/?])(?!https?://|mailto:)")
_HASH_LINE = re.compile(r"^(\s*)#(?![# ]|$)")
_MD_HEADING = re.compile(r"^#{1,6}\s")
_MD_LINK = re.compile(r"(!?\[[^\[\]\n]*\]\([^()\s]*\))")
_DEEP_QUOTE = re.compile(r"^(?:>\s*){4,}")
# Python-Markdown takes minutes over some long runs of brackets or stars, so a
# description is cut at this length (the source record keeps it whole).
MAX_CHARS = 20_000


def rst_to_markdown(text: str | None) -> str:
    """Rewrite a reStructuredText or plain-text description as Markdown."""
    if not text or not text.strip():
        return ""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rstrip() + " …"
    lines = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4).split("\n")
    targets, lines = _collect_targets(lines)
    out: list[str] = []
    levels: list[str] = []
    i = 0
    in_fence = False
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            in_fence = not in_fence  # Markdown code already fenced: keep it as it is.
            out.append(line)
            i += 1
            continue
        if in_fence:
            out.append(line)
            i += 1
            continue
        heading = _heading_at(lines, i)
        if heading:
            title, char, consumed = heading
            if char not in levels:
                levels.append(char)
            level = min(len(levels) + 2, 6)  # The page has its own h1 and h2.
            out.extend(["", "#" * level + " " + _inline(title, targets), ""])
            i += consumed
            continue
        directive = _DIRECTIVE.match(stripped) if not line[:1].isspace() else None
        if directive:
            name, argument = directive.group(1).lower(), directive.group(2).strip()
            block, i = _indented_block(lines, i + 1)
            out.extend(_directive(name, argument, block, targets))
            continue
        if _COMMENT.match(stripped) and not line[:1].isspace():
            _, i = _indented_block(lines, i + 1)  # A comment, with its indented body.
            continue
        if stripped.endswith("::") and not _DIRECTIVE.match(stripped):
            block, after = _indented_block(lines, i + 1)
            if any(b.strip() for b in block):
                lead = stripped[:-2].rstrip()
                if lead:
                    out.append(_inline(line.rstrip()[:-2].rstrip() + ":", targets))
                out.extend(_fence(block))
                i = after
                continue
        out.append(_plain_line(line, targets))
        i += 1
    markdown = "\n".join(out)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip("\n")
    return markdown + "\n" if markdown else ""


def _collect_targets(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Hyperlink targets (`.. _name: url`) by lower-cased name, and the lines without them."""
    targets: dict[str, str] = {}
    anonymous: list[str] = []
    kept = []
    for line in lines:
        match = _TARGET.match(line.strip()) if not line[:1].isspace() else None
        if match and match.group(2):
            targets[match.group(1).strip("`").strip().lower()] = match.group(2)
            continue
        match = _ANONYMOUS_TARGET.match(line.strip()) if not line[:1].isspace() else None
        if match:
            anonymous.append(match.group(1))
            continue
        kept.append(line)
    if anonymous:
        targets["__anonymous__"] = anonymous  # type: ignore[assignment]
    return targets, kept


def _heading_at(lines: list[str], i: int):
    """(title, underline character, lines used) when a section title starts at line i."""
    line = lines[i]
    if not line.strip():
        return None
    over = _ADORNMENT.match(line)
    if over and i + 2 < len(lines):
        title, under = lines[i + 1], _ADORNMENT.match(lines[i + 2])
        if (
            under
            and under.group(1) == over.group(1)
            and title.strip()
            and not _ADORNMENT.match(title)
        ):
            return title.strip(), over.group(1) * 2, 3
    if over or line[:1].isspace() or i + 1 >= len(lines):
        return None
    under = _ADORNMENT.match(lines[i + 1])
    if not under or len(lines[i + 1].rstrip()) < min(len(line.rstrip()), 4):
        return None
    if i > 0 and lines[i - 1].strip():
        return None  # Inside a paragraph: a line of dashes there is a rule, not a title.
    if _BULLET.match(line) or _ENUMERATED.match(line):
        return None
    return line.strip(), under.group(1), 2


def _indented_block(lines: list[str], start: int) -> tuple[list[str], int]:
    """The indented lines (with blank lines inside) from `start`, dedented, and the next index."""
    end = start
    while end < len(lines) and (not lines[end].strip() or lines[end][:1].isspace()):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    block = lines[start:end]
    indents = [len(b) - len(b.lstrip()) for b in block if b.strip()]
    cut = min(indents) if indents else 0
    return [b[cut:] for b in block], end


def _fence(block: list[str], language: str = "") -> list[str]:
    body = [b for b in block]
    while body and not body[0].strip():
        body.pop(0)
    fence = "~~~~" if any(b.lstrip().startswith("~~~") for b in body) else "```"
    return ["", fence + language, *body, fence, ""]


def _directive(name: str, argument: str, block: list[str], targets) -> list[str]:
    if name in _CODE_DIRECTIVES:
        options_end = 0
        while options_end < len(block) and block[options_end].lstrip().startswith(":"):
            options_end += 1
        language = re.sub(r"[^\w+-]", "", argument.split()[0]) if argument else ""
        return _fence(block[options_end:], language)
    if name in _IMAGE_DIRECTIVES:
        alt = ""
        for option in block:
            if option.strip().startswith(":alt:"):
                alt = option.strip()[5:].strip()
        url = argument.strip()
        return ["", f"![{_escape_brackets(alt)}]({url})", ""] if url.startswith("http") else []
    body = [_plain_line(b, targets) for b in block if not b.lstrip().startswith(":")]
    if name in _ADMONITIONS:
        label = argument if name == "admonition" and argument else name.capitalize()
        if name == "seealso":
            label = "See also"
        first = f"**{label}:** {argument}" if argument and name != "admonition" else f"**{label}:**"
        return ["", first, "", *body, ""]
    # Another directive: keep what it says, not how it says it.
    return ["", *([_inline(argument, targets)] if argument else []), *body, ""]


def _plain_line(line: str, targets) -> str:
    stripped = line.strip()
    if not stripped:
        return ""
    indent = len(line) - len(line.lstrip())
    field = _FIELD.match(stripped) if not indent else None
    if field:
        return f"**{field.group(1).strip()}:** {_inline(field.group(2), targets)}"
    bullet = _BULLET.match(line)
    if bullet:
        # Lists keep their nesting; everything else is dedented, since four spaces
        # would make a Markdown code block of what reStructuredText calls a quote.
        depth = min(len(bullet.group(1)), 8)
        return " " * depth + "- " + _inline(line[bullet.end() :], targets)
    enumerated = _ENUMERATED.match(line)
    if enumerated and (enumerated.group(2).isdigit() or enumerated.group(2) == "#"):
        depth = min(len(enumerated.group(1)), 8)
        number = enumerated.group(2) if enumerated.group(2) != "#" else "1"
        return " " * depth + f"{number}. " + _inline(line[enumerated.end() :], targets)
    if stripped.startswith("| ") or stripped == "|":
        return _inline(stripped[2:], targets) + "  "  # A line block: keep the line break.
    if _MD_HEADING.match(stripped):
        return stripped  # A Markdown heading, already.
    if stripped.startswith(">"):
        return _DEEP_QUOTE.sub(lambda m: m.group(0).replace(">", "\\>"), stripped)
    return _inline(stripped, targets)


def _inline(text: str, targets) -> str:
    """Rewrite one line's inline markup; code spans are left alone."""
    # Each pattern below needs a character most lines lack: those are not searched.
    if "`" not in text:
        text = _inline_text(text, targets)
        return _HASH_LINE.sub(r"\1\\#", text) if "#" in text else text
    parts = _INLINE_MARKUP.split(text)
    out = []
    anonymous = list(targets.get("__anonymous__", []))
    for n, part in enumerate(parts):
        if n % 2:
            out.append(_inline_markup(part, targets, anonymous))
        else:
            out.append(_inline_text(part, targets))
    return _HASH_LINE.sub(r"\1\\#", "".join(out))


def _inline_markup(part: str, targets, anonymous) -> str:
    role = _ROLE.fullmatch(part)
    if role:
        return f"`{role.group(1)}`"
    if part.startswith("``"):
        return "`" + part[2:-2] + "`" if "`" not in part[2:-2] else part
    match = _EMBEDDED_LINK.fullmatch(part)
    if match:
        label, url = match.group(1).strip(), match.group(2)
        if url.endswith("_") and url[:-1].lower() in targets:
            url = targets[url[:-1].lower()]
        if not label:
            return f"<{url}>" if url.startswith(("http://", "https://")) else url
        return f"[{_escape_brackets(label)}]({url})"
    match = _NAMED_REF.fullmatch(part)
    if match:
        label = match.group(1)
        url = targets.get(label.lower())
        if url is None and part.endswith("__") and anonymous:
            url = anonymous.pop(0)
        return f"[{_escape_brackets(label)}]({url})" if url else label
    return part  # `interpreted text`: Markdown shows it as code, which is what it is.


def _inline_text(text: str, targets) -> str:
    # Brackets that are not a Markdown link already are text in reStructuredText.
    if "[" in text or "]" in text:
        parts = _MD_LINK.split(text)
        text = "".join(part if n % 2 else _escape_brackets(part) for n, part in enumerate(parts))
    if "`" in text:
        text = _ROLE.sub(lambda m: f"`{m.group(1)}`", text)

    def word_ref(match):
        url = targets.get(match.group(1).lower())
        return f"[{match.group(1)}]({url})" if url else match.group(0)

    if targets:
        text = _WORD_REF.sub(word_ref, text)
    if "<" in text:
        text = _TAG_START.sub("&lt;", text)
    return _BARE_URL.sub(_autolink, text) if "http" in text else text


def _autolink(match) -> str:
    url = match.group(1)
    trail = ""
    while url and url[-1] in ".,;:!?)]}*_":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        trail = url[-1] + trail
        url = url[:-1]
    return f"<{url}>{trail}"


# A bracket after an odd number of backslashes is escaped already (in both syntaxes).
_BRACKET = re.compile(r"(?<!\\)(\\*)([\[\]])")


def _escape_brackets(text: str) -> str:
    return _BRACKET.sub(
        lambda m: m.group(0) if len(m.group(1)) % 2 else f"{m.group(1)}\\{m.group(2)}", text
    )


def abstract_markdown(text: str, is_markdown: bool = False) -> str:
    """The Markdown of a description: converted, unless it is Markdown already."""
    return text if is_markdown else rst_to_markdown(text)


def abstracts_to_html(items: list[tuple[str, bool, str]]) -> list[tuple[str, str]]:
    """(Markdown, sanitized HTML) of each (description, is Markdown, video URL), time
    codes linked into the video: the work an import hands to worker processes, which
    need nothing of Django for it."""
    out = []
    for text, is_markdown, video_url in items:
        markdown = abstract_markdown(text, is_markdown)
        out.append((markdown, render_with_time_codes(markdown, video_url)))
    return out
