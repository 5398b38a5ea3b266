import pytest

from confnotes.markdown import render_markdown

REL = 'rel="nofollow noopener noreferrer"'


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t \n"])
def test_render_markdown_empty_gives_empty_string(text):
    html = render_markdown(text)

    assert html == ""


def test_render_markdown_headings():
    html = render_markdown("# Title\n\n## Part\n\n### Detail")

    assert html == "<h1>Title</h1>\n<h2>Part</h2>\n<h3>Detail</h3>"


def test_render_markdown_lists():
    html = render_markdown("- one\n- two\n\n1. first\n2. second")

    assert html == (
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>"
    )


def test_render_markdown_fenced_code_escaped_with_language_class():
    html = render_markdown("```python\nprint('<b>hi</b>')\n```")

    assert html == (
        "<pre><code class=\"language-python\">print('&lt;b&gt;hi&lt;/b&gt;')\n</code></pre>"
    )


def test_render_markdown_link_gets_nofollow():
    html = render_markdown('[Django](https://www.djangoproject.com/ "Home")')

    assert html == (
        f'<p><a href="https://www.djangoproject.com/" title="Home" {REL}>Django</a></p>'
    )


def test_render_markdown_raw_html_link_gets_nofollow():
    html = render_markdown('<a href="https://example.com/" rel="follow">x</a>')

    assert f'<a href="https://example.com/" {REL}>x</a>' in html


def test_render_markdown_table_with_alignment():
    html = render_markdown("| Talk | Minutes |\n|:-----|--------:|\n| Intro | 30 |")

    assert "<table>" in html
    assert '<th align="left">Talk</th>' in html
    assert '<th align="right">Minutes</th>' in html
    assert '<td align="left">Intro</td>' in html
    assert '<td align="right">30</td>' in html


def test_render_markdown_image_https_kept():
    html = render_markdown("![Slide](https://example.com/slide.png)")

    assert html == '<p><img alt="Slide" src="https://example.com/slide.png"></p>'


def test_render_markdown_script_removed():
    html = render_markdown("Hello <script>alert('x')</script> world")

    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html


@pytest.mark.parametrize(
    "text",
    [
        '<img src="https://example.com/a.png" onerror="alert(1)">',
        '<p onclick="alert(1)">hi</p>',
        '<a href="https://example.com/" onmouseover="alert(1)">x</a>',
        "*hi*{: onclick=alert(1) }",
    ],
)
def test_render_markdown_event_handlers_removed(text):
    html = render_markdown(text)

    assert "alert" not in html
    assert "onerror" not in html and "onclick" not in html and "onmouseover" not in html


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        '<a href="&#x6A;&#x61;vascript:alert(1)">x</a>',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href=" javascript:alert(1)">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
    ],
)
def test_render_markdown_script_links_lose_href(text):
    html = render_markdown(text)

    assert html.startswith("<p><a")
    assert "href" not in html
    assert "script" not in html.lower()


@pytest.mark.parametrize(
    "text",
    [
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        '<img src="data:image/svg+xml,&lt;svg onload=alert(1)&gt;">',
        '<img src="DATA:text/html;base64,PHNjcmlwdD4=">',
    ],
)
def test_render_markdown_data_image_loses_src(text):
    html = render_markdown(text)

    assert "<img" in html
    assert "src" not in html
    assert "data:" not in html.lower()


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ('<iframe src="https://evil.example/"></iframe>', "<iframe"),
        ("<style>body { display: none }</style>", "display"),
        ('<svg onload="alert(1)"><circle r="1"/></svg>', "<svg"),
        ('<object data="https://evil.example/x.swf"></object>', "<object"),
        ('<embed src="https://evil.example/x.swf">', "<embed"),
        ('<form action="https://evil.example/"><input name="q"></form>', "<form"),
        ('<p style="position: fixed">x</p>', "style"),
        ("<!-- secret --> text", "secret"),
    ],
)
def test_render_markdown_dangerous_tags_removed(text, forbidden):
    html = render_markdown(text)

    assert forbidden not in html
    assert "evil.example" not in html
    assert "alert" not in html


def test_text_of_unclosed_brackets_renders_as_text():
    # Python-Markdown alone spends minutes on this (it looks for a link's end
    # from each "["); it comes back as the brackets written.
    html = render_markdown("[" * 20_000 + " and [a link](https://example.org/)")

    assert html.startswith("<p>[[[[") and html.count("[") == 20_001
    assert "<a " not in html


def test_brackets_escaped_in_the_source_stay_escaped():
    # Imported descriptions arrive with their brackets escaped ("\\["); escaping
    # them again would turn each into a backslash and a link opener.
    html = render_markdown("\\[" * 500 + " see [the docs](https://example.org/)")

    assert html.count("[") == 500 and "\\" not in html
    assert '<a href="https://example.org/"' in html


def test_an_escaped_backslash_before_a_bracket_still_counts_as_an_opener():
    html = render_markdown("\\\\[" * 200)

    assert html.count("\\") == 200 and html.count("[") == 200


def test_lists_nested_past_the_recursion_limit_render_as_text():
    text = "1. " * 2000 + "deep\n\nnext <b>paragraph</b>"

    html = render_markdown(text)

    assert html.startswith("<p>1. 1. 1. ") and "deep</p>" in html
    assert html.endswith("<p>next &lt;b&gt;paragraph&lt;/b&gt;</p>")
    # The converter the failed text left half-built is not reused.
    assert render_markdown("[a](https://example.org/)") == (
        '<p><a href="https://example.org/" rel="nofollow noopener noreferrer">a</a></p>'
    )


def test_text_of_unclosed_link_targets_renders_as_text():
    html = render_markdown("[a](" * 5000 + " [b](https://example.org/)")

    assert html.count("[a](") == 5000 and "<a " not in html


def test_text_of_unclosed_tags_renders_as_text():
    html = render_markdown("<a " * 5000 + "<b>bold</b>")

    assert html.count("&lt;a ") == 5000 and "<b>" not in html


def test_a_few_unclosed_brackets_leave_links_alone():
    html = render_markdown("[sic [see [the docs](https://example.org/)")

    assert '<a href="https://example.org/"' in html


def test_html_to_text_keeps_words_of_adjacent_blocks_apart():
    from confnotes.markdown import html_to_text

    html = render_markdown("- one\n- two\n\nFish &amp; chips, `a < b`")

    assert html_to_text(html) == "one two Fish & chips, a < b"
