"""Message text as Telegram's servers parse it: ``parse_mode`` HTML, MarkdownV2 and legacy
Markdown become plain text plus entities (offsets in UTF-16 code units), with the same strict
errors tdlib raises, so that a bot that forgets to escape user text fails here as it would
in production ("can't parse entities: ...")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from emulators.telegram.errors import ApiError, bad_request

MAX_TEXT_LENGTH = 4096


class FormattedText(NamedTuple):
    text: str
    entities: list[dict[str, Any]]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def format_text(text: str, parse_mode: str | None, entities: Any = None) -> FormattedText:
    """Parse ``text`` under ``parse_mode`` (or take ``entities`` as given); raises ApiError."""
    mode = (parse_mode or "").strip().lower()
    if mode == "html":
        formatted = _HtmlParser(text).parse()
    elif mode == "markdownv2":
        formatted = _MarkdownV2Parser(text).parse()
    elif mode == "markdown":
        formatted = _MarkdownParser(text).parse()
    elif mode:
        raise bad_request("unsupported parse_mode")
    else:
        formatted = FormattedText(text, _given_entities(entities))
    return _strip(formatted)


def _strip(formatted: FormattedText) -> FormattedText:
    """Telegram trims whitespace around a message's text; entities shift and shrink with it."""
    text = formatted.text.strip()
    if text == formatted.text:
        kept = formatted.entities
    else:
        shift = utf16_len(formatted.text[: len(formatted.text) - len(formatted.text.lstrip())])
        size = utf16_len(text)
        kept = []
        for entity in formatted.entities:
            start = max(entity["offset"] - shift, 0)
            end = min(entity["offset"] + entity["length"] - shift, size)
            if end > start:
                kept.append({**entity, "offset": start, "length": end - start})
    ordered = sorted(kept, key=lambda e: (e["offset"], -e["length"]))
    return FormattedText(text, ordered)


def _given_entities(entities: Any) -> list[dict[str, Any]]:
    if entities is None:
        return []
    if not isinstance(entities, list) or not all(
        isinstance(e, dict) and {"type", "offset", "length"} <= e.keys() for e in entities
    ):
        raise bad_request("can't parse entities JSON object")
    return [dict(e) for e in entities]


def _entities_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _looks_like_url(url: str) -> bool:
    """Roughly tdlib's ``check_url``: a scheme, or a dotted host name, and no spaces."""
    return bool(url) and not any(c.isspace() for c in url) and ("://" in url or "." in url)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Output:
    """Plain text being built, with its length in UTF-16 code units."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.offset += utf16_len(chunk)

    def entity(self, kind: str, start: int, end: int | None = None, **extra: Any) -> None:
        """Record an entity from ``start`` to ``end`` (default: here); empty ones are dropped."""
        stop = self.offset if end is None else end
        if stop > start:
            self.entities.append({"type": kind, "offset": start, "length": stop - start, **extra})

    def result(self) -> FormattedText:
        return FormattedText("".join(self.parts), self.entities)


# ---------------------------------------------------------------------------------------- HTML

_HTML_KINDS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY = re.compile(r"&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,8}|[a-zA-Z]{2,8});")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int
    language: str = field(default="")


def _html_entity(text: str, index: int) -> tuple[str, int] | None:
    match = _HTML_ENTITY.match(text, index)
    if match is None:
        return None
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        if not 0 < code < 0x110000 or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), match.end()
    decoded = _NAMED_ENTITIES.get(body)
    return (decoded, match.end()) if decoded is not None else None


def _decode_html(value: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(value):
        decoded = _html_entity(value, index) if value[index] == "&" else None
        if decoded is None:
            out.append(value[index])
            index += 1
        else:
            out.append(decoded[0])
            index = decoded[1]
    return "".join(out)


class _HtmlParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out = _Output()
        self.stack: list[_OpenTag] = []

    def parse(self) -> FormattedText:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "&" and (decoded := _html_entity(text, self.pos)) is not None:
                self.out.add(decoded[0])
                self.pos = decoded[1]
            elif char != "<":
                self.out.add(char)
                self.pos += 1
            elif text.startswith("</", self.pos):
                self._end_tag()
            else:
                self._start_tag()
        if self.stack:
            raise _entities_error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        return self.out.result()

    def _name(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _NAME_CHARS:
            self.pos += 1
        return self.text[start : self.pos].lower()

    def _skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _start_tag(self) -> None:
        begin = _byte_offset(self.text, self.pos)
        self.pos += 1
        name = self._name()
        if name not in _HTML_KINDS:
            raise _entities_error(f'Unsupported start tag "{name}" at byte offset {begin}')
        attrs: dict[str, str] = {}
        while True:
            self._skip_spaces()
            if self.pos >= len(self.text):
                raise _entities_error(f"Unclosed start tag at byte offset {begin}")
            if self.text[self.pos] == ">":
                self.pos += 1
                break
            attr = self._name()
            if not attr:
                raise _entities_error(
                    f'Empty attribute name in the tag "{name}" at byte offset {begin}'
                )
            attrs[attr] = self._attribute_value(begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _entities_error(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        self.stack.append(_OpenTag(name, attrs, self.out.offset))

    def _attribute_value(self, begin: int) -> str:
        self._skip_spaces()
        if self.pos >= len(self.text) or self.text[self.pos] != "=":
            return ""
        self.pos += 1
        self._skip_spaces()
        if self.pos >= len(self.text):
            raise _entities_error(f"Unclosed start tag at byte offset {begin}")
        quote = self.text[self.pos]
        if quote in "\"'":
            end = self.text.find(quote, self.pos + 1)
            if end < 0:
                raise _entities_error(f"Unclosed start tag at byte offset {begin}")
            raw = self.text[self.pos + 1 : end]
            self.pos = end + 1
        else:
            start = self.pos
            while self.pos < len(self.text) and not (
                self.text[self.pos].isspace() or self.text[self.pos] == ">"
            ):
                self.pos += 1
            raw = self.text[start : self.pos]
        return _decode_html(raw)

    def _end_tag(self) -> None:
        begin = _byte_offset(self.text, self.pos)
        close = self.text.find(">", self.pos)
        if close < 0:
            raise _entities_error(f"Unclosed end tag at byte offset {begin}")
        name = self.text[self.pos + 2 : close].strip().lower()
        if not self.stack:
            raise _entities_error(f"Unexpected end tag at byte offset {begin}")
        tag = self.stack.pop()
        if name != tag.name:
            raise _entities_error(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        self.pos = close + 1
        self._close(tag)

    def _close(self, tag: _OpenTag) -> None:
        parent = self.stack[-1] if self.stack else None
        kind = _HTML_KINDS[tag.name]
        if kind == "code" and parent is not None and parent.name == "pre":
            parent.language = tag.attrs.get("class", "").removeprefix("language-")
        elif kind == "text_link":
            url = tag.attrs.get("href", "")
            if url:
                self.out.entity(kind, tag.offset, url=url)
        elif kind == "pre" and tag.language:
            self.out.entity(kind, tag.offset, language=tag.language)
        elif kind == "blockquote" and "expandable" in tag.attrs:
            self.out.entity("expandable_blockquote", tag.offset)
        elif kind == "custom_emoji":
            self.out.entity(kind, tag.offset, custom_emoji_id=tag.attrs.get("emoji-id", ""))
        else:
            self.out.entity(kind, tag.offset)


# ---------------------------------------------------------------------------------- MarkdownV2

_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_V2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _OpenEntity:
    kind: str
    offset: int
    byte_offset: int
    text_start: int
    language: str = ""


def _reserved_error(char: str) -> ApiError:
    return _entities_error(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


class _MarkdownV2Parser:
    """tdlib's ``parse_markdown_v2``: every reserved character outside an entity markup must be
    escaped with a backslash; inside code and pre only the backtick is reserved."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out = _Output()
        self.stack: list[_OpenEntity] = []
        self.quote_start: int | None = None

    def _at(self, index: int) -> str:
        return self.text[index] if index < len(self.text) else ""

    def parse(self) -> FormattedText:
        while self.pos < len(self.text):
            self._step()
        self._end_quote()
        if self.stack:
            top = self.stack[-1]
            raise _entities_error(
                f"Can't find end of {_V2_NAMES[top.kind]} entity at byte offset {top.byte_offset}"
            )
        return self.out.result()

    def _step(self) -> None:
        char = self.text[self.pos]
        following = self._at(self.pos + 1)
        in_code = bool(self.stack) and self.stack[-1].kind in ("code", "pre")
        at_line_start = self.pos == 0 or self.text[self.pos - 1] == "\n"
        if at_line_start and not in_code:
            if char == ">":
                if self.quote_start is None:
                    self.quote_start = self.out.offset
                self.pos += 1
                return
            self._end_quote()
        if char == "\\" and following and 0 < ord(following) <= 126:
            self.out.add(following)
            self.pos += 2
            return
        reserved = "`" if in_code else _V2_RESERVED
        if char not in reserved:
            self.out.add(char)
            self.pos += 1
        elif self.stack and self._ends_top(char, following):
            self._close()
        else:
            self._open(char, following)

    def _end_quote(self) -> None:
        if self.quote_start is None:
            return
        start, self.quote_start = self.quote_start, None
        text = "".join(self.out.parts)
        trailing_newlines = len(text) - len(text.rstrip("\n"))
        self.out.entity("blockquote", start, self.out.offset - trailing_newlines)

    def _ends_top(self, char: str, following: str) -> bool:
        kind = self.stack[-1].kind
        ends = {
            "bold": char == "*",
            "italic": char == "_" and following != "_",
            "underline": char == "_" and following == "_",
            "strikethrough": char == "~",
            "spoiler": char == "|" and following == "|",
            "code": char == "`",
            "pre": self.text.startswith("```", self.pos),
            "text_link": char == "]",
            "custom_emoji": char == "]",
        }
        return ends[kind]

    def _open(self, char: str, following: str) -> None:
        byte_offset = _byte_offset(self.text, self.pos)
        language = ""
        if char == "_" and following == "_":
            kind, width = "underline", 2
        elif char in "_*~[":
            kind, width = (
                {"_": "italic", "*": "bold", "~": "strikethrough", "[": "text_link"}[char],
                1,
            )
        elif char == "|" and following == "|":
            kind, width = "spoiler", 2
        elif char == "!" and following == "[":
            kind, width = "custom_emoji", 2
        elif char == "`" and self.text.startswith("```", self.pos):
            kind, width = "pre", 3
            language = self._pre_language()
            width += len(language) + self._pre_newline(self.pos + 3 + len(language))
        elif char == "`":
            kind, width = "code", 1
        else:
            raise _reserved_error(char)
        self.pos += width
        self.stack.append(
            _OpenEntity(kind, self.out.offset, byte_offset, len(self.out.parts), language)
        )

    def _pre_language(self) -> str:
        start = end = self.pos + 3
        while end < len(self.text) and not self.text[end].isspace() and self.text[end] != "`":
            end += 1
        if end == start or end >= len(self.text) or self.text[end] == "`":
            return ""
        return self.text[start:end]

    def _pre_newline(self, index: int) -> int:
        first, second = self._at(index), self._at(index + 1)
        if first not in ("\n", "\r"):
            return 0
        return 2 if second in ("\n", "\r") and first != second else 1

    def _close(self) -> None:
        entity = self.stack.pop()
        widths = {"underline": 2, "spoiler": 2, "pre": 3}
        self.pos += widths.get(entity.kind, 1)
        if entity.kind == "pre" and entity.language:
            self.out.entity("pre", entity.offset, language=entity.language)
        elif entity.kind == "text_link":
            url = self._link_target(entity)
            if _looks_like_url(url):
                self.out.entity("text_link", entity.offset, url=url)
        elif entity.kind == "custom_emoji":
            target = self._link_target(entity)
            emoji_id = target.removeprefix("tg://emoji?id=")
            self.out.entity("custom_emoji", entity.offset, custom_emoji_id=emoji_id)
        else:
            self.out.entity(entity.kind, entity.offset)

    def _link_target(self, entity: _OpenEntity) -> str:
        if self._at(self.pos) != "(":
            return "".join(self.out.parts[entity.text_start :])
        url_begin = _byte_offset(self.text, self.pos + 1)
        self.pos += 1
        url: list[str] = []
        while self.pos < len(self.text) and self.text[self.pos] != ")":
            following = self._at(self.pos + 1)
            if self.text[self.pos] == "\\" and following and 0 < ord(following) <= 126:
                url.append(following)
                self.pos += 2
            else:
                url.append(self.text[self.pos])
                self.pos += 1
        if self.pos >= len(self.text):
            raise _entities_error(f"Can't find end of a URL at byte offset {url_begin}")
        self.pos += 1
        return "".join(url)


# ----------------------------------------------------------------------------- legacy Markdown

_V1_KINDS = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}


class _MarkdownParser:
    """tdlib's legacy ``parse_markdown``: ``*bold*``, ``_italic_``, ``code``, pre blocks and
    ``[text](url)``; an entity without its closing character is an error."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out = _Output()

    def parse(self) -> FormattedText:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            following = text[self.pos + 1] if self.pos + 1 < len(text) else ""
            if char == "\\" and following in _V1_KINDS:
                self.out.add(following)
                self.pos += 2
            elif char in _V1_KINDS:
                self._entity(char)
            else:
                self.out.add(char)
                self.pos += 1
        return self.out.result()

    def _entity(self, char: str) -> None:
        begin = _byte_offset(self.text, self.pos)
        is_pre = self.text.startswith("```", self.pos)
        closing = "```" if is_pre else ("]" if char == "[" else char)
        self.pos += 3 if is_pre else 1
        language = ""
        if is_pre:
            newline = self.text.find("\n", self.pos)
            close = self.text.find("```", self.pos)
            if 0 <= newline < close:
                language = self.text[self.pos : newline].strip()
                self.pos = newline + 1
        end = self.text.find(closing, self.pos)
        if end < 0:
            raise _entities_error(f"Can't find end of the entity starting at byte offset {begin}")
        start = self.out.offset
        self.out.add(self.text[self.pos : end])
        self.pos = end + len(closing)
        if is_pre:
            extra = {"language": language} if language else {}
            self.out.entity("pre", start, **extra)
        elif char == "[":
            self._link(start)
        else:
            self.out.entity(_V1_KINDS[char], start)

    def _link(self, start: int) -> None:
        if not self.text.startswith("(", self.pos):
            return
        end = self.text.find(")", self.pos)
        if end < 0:
            return
        url = self.text[self.pos + 1 : end]
        self.pos = end + 1
        if _looks_like_url(url):
            self.out.entity("text_link", start, url=url)
