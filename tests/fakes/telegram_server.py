"""A fake Telegram Bot API server for end-to-end tests.

The real bot talks to it over HTTP exactly as it talks to api.telegram.org (``TELEGRAM_API_URL``
points here). The server keeps what a user would see (the messages in each chat, with edits
applied), records every call, lets a test push user updates, and can be told to fail a method
with any Telegram error. Later features extend it by adding a method to ``self.methods``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from tests.fakes.recording import BOT_USER, TOKEN

# Values that stay strings even when they look like JSON or a number.
_TEXT_KEYS = {
    "text",
    "caption",
    "description",
    "short_description",
    "title",
    "name",
    "callback_query_id",
    "inline_query_id",
    "next_offset",
    "url",
    "secret_token",
    "file_id",
    "query",
    "inline_message_id",
}

Json = dict[str, Any]
MethodHandler = Callable[[Json], Awaitable[Any] | Any]


@dataclass
class Call:
    method: str
    params: Json
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    code: int
    description: str
    parameters: Json | None = None
    when: Callable[[Json], bool] | None = None
    times: int = 1
    # An HTML page instead of JSON, as Telegram's nginx answers a 502.
    html: bool = False
    # Done, then the connection dropped before the answer: the client never learns the result.
    dropped: bool = False


@dataclass
class Faults:
    """Random failures of the sending methods, the kinds Telegram's front end produces: the
    shares of calls answered 500/502 with an HTML page, answered 429, and carried out but
    dropped before the answer reached the bot."""

    server_errors: float = 0.0
    throttled: float = 0.0
    dropped: float = 0.0
    retry_after: int = 1
    seed: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def roll(self) -> str | None:
        x = self._random.random()
        for kind, share in (
            ("server_error", self.server_errors),
            ("throttled", self.throttled),
            ("dropped", self.dropped),
        ):
            if x < share:
                self.counts[kind] = self.counts.get(kind, 0) + 1
                return kind
            x -= share
        return None


NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def _decode(key: str, value: str) -> Any:
    if key in _TEXT_KEYS:
        return value
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if value in ("true", "false", "null") or value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def chat_dict(chat_id: int) -> Json:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "User"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Чат {chat_id}"}


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.bot_user: Json = BOT_USER.model_dump(exclude_none=True)
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], Json] = {}
        self._updates: deque[Json] = deque()
        # Updates the bot has confirmed it took (asked for the next offset after them).
        self.taken = 0
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._changed = asyncio.Condition()
        self._failures: dict[str, list[Failure]] = {}
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.url = ""
        self.methods: dict[str, MethodHandler] = {
            "getMe": lambda p: self.bot_user,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_reply_markup,
            "answerCallbackQuery": self._answer_callback,
            "setMyCommands": lambda p: True,
            "deleteMyCommands": lambda p: True,
            "deleteWebhook": lambda p: True,
            "setWebhook": lambda p: True,
            "deleteMessage": self._delete_message,
            "sendDocument": lambda p: self._send_file("document", p),
            "sendVideo": lambda p: self._send_file("video", p),
            "sendPhoto": lambda p: self._send_file("photo", p),
            "answerInlineQuery": self._answer_inline_query,
            "getFile": self._get_file,
            "pinChatMessage": self._pin,
            "getChatMemberCount": lambda p: self.member_counts.get(int(p["chat_id"]), 5),
        }
        # Random failures of the sending methods (bench/broadcast.py --faults).
        self.faults: Faults | None = None
        # Called with each call once it is carried out and before it is answered: a test can
        # kill the bot at the moment the person sees its answer.
        self.carried_out: Callable[[Call], None] | None = None
        # Telegram's flood limits, enforced on every send when ``enforce_limits`` is on.
        self.enforce_limits = False
        self.rate_limited = 0
        self._sends: deque[float] = deque()
        self._chat_last: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self.pinned: dict[int, int] = {}
        self.member_counts: dict[int, int] = {}
        # file_id -> content, for getFile and downloads; tests put the files users "send" here.
        self.files: dict[str, bytes] = {}
        # (file name, content) of every file the bot uploaded.
        self.uploads: list[tuple[str, bytes]] = []
        self.answered: set[str] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        return self

    async def stop(self) -> None:
        # Wake long polls whose clients are gone; aiohttp would otherwise wait them out.
        self._closing = True
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what tests do -----------------------------------------------------------------------

    def fail(
        self,
        method: str,
        code: int,
        description: str,
        *,
        parameters: Json | None = None,
        when: Callable[[Json], bool] | None = None,
        times: int = 1,
        html: bool = False,
        dropped: bool = False,
    ) -> None:
        """Make the next ``times`` matching calls of ``method`` fail with a Telegram error (with
        ``html``, an nginx error page of that status), or, with ``dropped``, be carried out and
        then lose their answer."""
        self._failures.setdefault(method, []).append(
            Failure(code, description, parameters, when, times, html, dropped)
        )

    async def push_update(self, kind: str, payload: Json) -> int:
        update_id = next(self._update_ids)
        async with self._changed:
            self._updates.append({"update_id": update_id, kind: payload})
            self._changed.notify_all()
        return update_id

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        after: int = 0,
        timeout: float = 10.0,
    ) -> Call:
        """The first call of ``method`` at index >= ``after`` that satisfies ``predicate``."""

        def find() -> Call | None:
            for call in self.calls[after:]:
                if call.method == method and (predicate is None or predicate(call)):
                    return call
            return None

        async def wait() -> Call:
            async with self._changed:
                while (found := find()) is None:
                    await self._changed.wait()
                return found

        return await asyncio.wait_for(wait(), timeout)

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def chat_messages(self, chat_id: int) -> list[Json]:
        return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    # -- the HTTP side -----------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        handler = self.methods.get(method)
        if handler is None:
            return _error(404, "Not Found: method not found")
        failure = self._take_failure(method, params)
        fault = self.faults.roll() if self.faults is not None and method in _SENDS else None
        if failure is not None and failure.dropped:
            fault = "dropped"
        elif failure is not None and failure.html:
            return _html_error(failure.code)
        elif failure is not None:
            return _error(failure.code, failure.description, failure.parameters)
        if fault == "server_error":
            return _html_error(random.choice((500, 502)))
        if fault == "throttled":
            assert self.faults is not None
            wait = self.faults.retry_after
            self.rate_limited += 1
            return _error(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        if self.enforce_limits and method in _SENDS:
            wait = self._flood_wait(int(params["chat_id"]))
            if wait:
                self.rate_limited += 1
                return _error(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        try:
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as e:
            return _error(e.code, e.description, e.parameters)
        if self.carried_out is not None:
            self.carried_out(call)
        if fault == "dropped":
            # Done, and the connection goes before the answer: the bot sees a network error.
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("dropped after delivery")
        return web.json_response({"ok": True, "result": result})

    def _flood_wait(self, chat_id: int) -> int:
        """Seconds to wait if this send breaks a limit (DESIGN.md §3), else 0 and it counts:
        30 a second overall, 1 a second into one chat, 20 a minute into one group."""
        now = time.monotonic()
        while self._sends and self._sends[0] <= now - 1.0:
            self._sends.popleft()
        if len(self._sends) >= 30:
            return 1
        if now - self._chat_last.get(chat_id, -10.0) < 1.0:
            return 1
        if chat_id < 0:
            window = self._group_sends.setdefault(chat_id, deque())
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= 20:
                return max(1, int(window[0] + 60.0 - now + 0.999))
            window.append(now)
        self._sends.append(now)
        self._chat_last[chat_id] = now
        return 0

    def _take_failure(self, method: str, params: Json) -> Failure | None:
        for failure in self._failures.get(method, []):
            if failure.times > 0 and (failure.when is None or failure.when(params)):
                failure.times -= 1
                return failure
        return None

    async def _get_updates(self, params: Json) -> list[Json]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 30.0)
        async with self._changed:
            self._acknowledge(offset)
            if not self._updates and timeout > 0 and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)
            self._acknowledge(offset)
            limit = int(params.get("limit") or 100)
            return list(itertools.islice(self._updates, limit))

    def _acknowledge(self, offset: int) -> None:
        """The bot asked for updates from ``offset`` on: the ones before are taken for good."""
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()
            self.taken += 1

    def new_message(self, chat_id: int, **fields: Any) -> Json:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        # Telegram echoes only inline keyboards in the Message it returns; a reply keyboard
        # stays in the call record (Call.params) where tests read it.
        markup = fields.pop("reply_markup", None)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            fields["reply_markup"] = markup
        message = {
            "message_id": next(counter),
            "date": int(time.time()),
            "chat": chat_dict(chat_id),
            "from": self.bot_user,
            **{k: v for k, v in fields.items() if v is not None},
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _known(self, params: Json) -> Json:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    def _send_message(self, params: Json) -> Json:
        text = params.get("text") or ""
        _check_html(text, params)
        if not 1 <= _visible_len(text, params) <= 4096:
            raise ApiError(400, "Bad Request: message text is empty or too long")
        _check_markup(params.get("reply_markup"))
        return self.new_message(
            int(params["chat_id"]),
            text=text,
            reply_markup=params.get("reply_markup"),
            message_thread_id=params.get("message_thread_id"),
        )

    def _get_file(self, params: Json) -> Json:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.files:
            return _error(404, "Not Found")
        return web.Response(body=self.files[file_id])

    def _send_file(self, kind: str, params: Json) -> Json:
        file_id = params.get(kind)
        if isinstance(file_id, str) and file_id.startswith("attach://"):
            # aiogram uploads a file as its own form field and points at it.
            file_id = params.get(file_id.removeprefix("attach://"))
        if isinstance(file_id, web.FileField):
            content = file_id.file.read()
            if len(content) > 50 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            self.uploads.append((file_id.filename, content))
            file_id = f"uploaded-{len(self.uploads)}"
            self.files[file_id] = content
        if not isinstance(file_id, str) or not file_id:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        caption = params.get("caption") or ""
        _check_html(caption, params)
        if _visible_len(caption, params) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        _check_markup(params.get("reply_markup"))
        media: Any = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
        if kind == "photo":
            media = [{**media, "width": 800, "height": 600}]
        elif kind == "video":
            media = {**media, "width": 640, "height": 360, "duration": 60}
        return self.new_message(
            int(params["chat_id"]),
            caption=caption or None,
            message_thread_id=params.get("message_thread_id"),
            reply_markup=params.get("reply_markup"),
            **{kind: media},
        )

    def _answer_callback(self, params: Json) -> bool:
        """Telegram takes one answer per button press; a second one is refused."""
        query = str(params.get("callback_query_id"))
        if query in self.answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answered.add(query)
        return True

    def _answer_inline_query(self, params: Json) -> bool:
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        for r in results:
            _check_markup(r.get("reply_markup"))
        return True

    def _edit_message_text(self, params: Json) -> Json:
        message = self._known(params)
        _check_html(params.get("text") or "", params)
        if not 1 <= _visible_len(params.get("text") or "", params) <= 4096:
            raise ApiError(400, "Bad Request: message text is empty or too long")
        _check_markup(params.get("reply_markup"))
        if message.get("text") == params["text"] and message.get("reply_markup") == params.get(
            "reply_markup"
        ):
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = params["text"]
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return message

    def _edit_reply_markup(self, params: Json) -> Json:
        message = self._known(params)
        message["reply_markup"] = params.get("reply_markup")
        return message

    def _pin(self, params: Json) -> bool:
        self._known(params)
        self.pinned[int(params["chat_id"])] = int(params["message_id"])
        return True

    def _delete_message(self, params: Json) -> bool:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if self.messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True


_SENDS = {"sendMessage", "sendPhoto", "sendDocument", "sendVideo"}


_HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip


class _EntityParser(HTMLParser):
    """Telegram's HTML parse mode: only its own tags, every one closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.visible = 0

    def handle_data(self, data: str) -> None:
        self.visible += len(data)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in _HTML_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            unexpected = f'Unexpected end tag "{tag}"'
            raise ApiError(400, f"Bad Request: can't parse entities: {unexpected}")


def _check_html(text: str, params: Json) -> None:
    if params.get("parse_mode") != "HTML" or not text:
        return
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise ApiError(400, "Bad Request: can't parse entities: unclosed tag")


def _visible_len(text: str, params: Json) -> int:
    """Telegram's limits count the text after its entities are parsed: what people see."""
    if params.get("parse_mode") != "HTML" or not text:
        return len(text)
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    return parser.visible


def _check_markup(markup: Any) -> None:
    """Telegram refuses a keyboard whose callback_data is empty or over 64 bytes."""
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


async def _params(request: web.Request) -> Json:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.post()
    params: Json = dict(request.query)
    for key, value in form.items():
        params[key] = _decode(key, value) if isinstance(value, str) else value
    return params


def _html_error(code: int) -> web.Response:
    page = NGINX_502 if code == 502 else NGINX_502.replace("502 Bad Gateway", f"{code} Error")
    return web.Response(status=code, text=page, content_type="text/html")


def _error(code: int, description: str, parameters: Json | None = None) -> web.Response:
    body: Json = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)
