"""Hostile inputs shared by the security tests: an XSS corpus, a compact set of it, and SQL injection strings.

XSS_PAYLOADS is the full corpus (for a few representative fields); XSS_COMPACT the most dangerous ones
(for every field). Each payload carries a plain marker word ("zq" + a number) so a test can find where
the text landed and check it shows escaped, as text, not as markup.
"""

from __future__ import annotations

# Each family of attack once or twice; the marker lets a test tell its own payload from the page.
_XSS = [
    # script elements, plain and obfuscated
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script\x0a>alert(1)</script>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    # attribute breakouts, both quotes
    '"><svg/onload=alert(1)>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "' autofocus onfocus='alert(1)",
    "`><img src=x onerror=alert(1)>",
    # script URLs in HTML and in Markdown links, images, reference links and autolinks
    '<a href="javascript:alert(1)">x</a>',
    "<a href='&#106;avascript:alert(1)'>x</a>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    '![x](x" onerror="alert(1))',
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<https://evil.example/"onmouseover="alert(1)>',
    # SVG and MathML
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=javascript:alert(1)><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    # frames, objects, forms, base, meta refresh
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>">',
    '<object data="data:text/html,x"></object>',
    '<embed src="data:text/html,x">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # CSS
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width:expression(alert(1))">x</p>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    # comments, CDATA, closing the surrounding element
    "<!--<script>alert(1)//-->",
    "<!-- --><script>alert(1)</script><!-- -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "]]></summary><script>alert(1)</script>",
    # template injection (Jinja, other engines) and format strings
    "{{7*7}}",
    "{{ config }}{{ self.__init__.__globals__ }}",
    "{% raw %}{% endraw %}{% if 1 %}x{% endif %}",
    "${7*7}#{7*7}<%= 7*7 %>",
    "%(name)s %s {0}",
    # encodings and Unicode tricks
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "\u202e<script>alert(1)</script>",
    "<img src=x onerror=\u0061lert(1)>",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    # what else a text may smuggle: CSV formulas, header lines, calendar lines
    '=HYPERLINK("https://evil.example","x")',
    "Mario\r\nBcc: victim@example.com",
    "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected",
]

# The most dangerous, short enough for every field (the shortest text fields take 20 characters:
# they get a cut of each, which still opens a tag or an attribute).
_COMPACT = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg/onload=alert(1)>',
    "'><b onmouseover=a>",
    "[x](javascript:alert(1))",
    "{{7*7}}{% raw %}",
    "</textarea><script>x",
    "=cmd|' /C calc'!A0",
]


def _marked(payloads: list[str], start: int) -> list[str]:
    return [f"zq{start + number} {payload}" for number, payload in enumerate(payloads)]


XSS_PAYLOADS = _marked(_XSS, 100)
XSS_COMPACT = _marked(_COMPACT, 10)

# Spreadsheet formulas: a cell that starts with one of these runs in Excel or LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_PAYLOADS = [
    '=HYPERLINK("https://evil.example","clic")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
]

# Strings that would change a query built by pasting text into SQL. Every one must come back as an
# ordinary search term: a 200 (or 400 for an impossible filter value), never a 500, never more rows.
SQL_INJECTION = [
    "' OR 1=1 --",
    "' OR '1'='1",
    '" OR "1"="1',
    "1 OR 1=1",
    "1' OR '1'='1' /*",
    "') OR ('1'='1",
    "'; DROP TABLE users; --",
    "1; DROP TABLE case_studies",
    "' UNION SELECT email, password_hash FROM users --",
    "' UNION SELECT NULL,NULL,NULL--",
    "1' AND SLEEP(5)--",
    "'; SELECT pg_sleep(5); --",
    "' AND 1=CAST((SELECT version()) AS int)--",
    "%' OR '%'='",
    "%",
    "_",
    "\\",
    "'",
    "''",
    '"',
    "*",
    "NEAR(a b)",
    'title:"x" OR body:*',
    "a AND OR NOT",
    "-x +y",
    "!:&|()<>",
    "x\x00y",
    "\u0000",
    "é' OR 1=1 --",
    "1e309",
    "-1",
    "99999999999999999999999",
    "0x41",
    "[]",
    "null",
]
