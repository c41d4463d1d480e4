"""The instructor's side of the page: who the page is for, the clear page for a wrong token, the token
kept in a cookie, and the client a join attempt is counted against.

The rules are in ``sim.app.auth``; this module only reads the page's request and shows the result.
"""

from __future__ import annotations

import contextlib
import os

import ipyvuetify as v
import solara
import traitlets

from sim.app.auth import (
    COOKIE,
    INSTRUCTOR_PATH,
    NOT_INSTRUCTOR_TEXT,
    NOT_INSTRUCTOR_TITLE,
    is_instructor,
    token_in,
)

#: Set for worker 0 of ``bordersim demo --workers``: every page there must hold the token.
INSTRUCTOR_WORKER = bool(os.environ.get("BORDERSIM_INSTRUCTOR_WORKER"))


def page_role(path: str | None, search: str | None, cookies: dict | None) -> tuple[bool, str | None]:
    """(may this page open, the instructor's token or None). The instructor's page (``/instructor``,
    or any page of the instructor's worker) opens only with the valid token; a student's page always
    opens, without a token, whatever it carries."""
    token = token_in(search, cookies)
    teacher = (path or "/").rstrip("/") == INSTRUCTOR_PATH or INSTRUCTOR_WORKER
    if not teacher:
        return True, None
    if not is_instructor(token):
        return False, None
    return True, token


def request_role() -> tuple[bool, str | None]:
    """``page_role`` of the page being rendered (its address and cookies)."""
    router = solara.use_router()
    cookies = solara.lab.cookies.value or {}
    return page_role(router.path, router.search, cookies)


@solara.component
def NotInstructor(css: str):
    solara.Style(css)
    solara.Title("bordersim: the instructor's page")
    with solara.Column(style={"padding": "40px"}):
        solara.Text(NOT_INSTRUCTOR_TITLE, classes=["bs-day", "bs-not-instructor"])
        solara.Text(NOT_INSTRUCTOR_TEXT, style={"font-size": "20px", "max-width": "900px"})


class TokenKeeper(v.VuetifyTemplate):
    """Keeps the token in a cookie (a reload stays the instructor's) and takes it out of the address bar."""

    token = traitlets.Unicode("").tag(sync=True)
    cookie = traitlets.Unicode(COOKIE).tag(sync=True)
    template = traitlets.Unicode("""
<template><span class="bs-token-kept"></span></template>
<script>
module.exports = {
  mounted() {
    document.cookie = this.cookie + "=" + this.token + "; path=/; SameSite=Strict";
    const url = new URL(window.location.href);
    if (url.searchParams.has("token")) {
      url.searchParams.delete("token");
      window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    }
  },
};
</script>
""").tag(sync=True)


@solara.component
def KeepToken(token: str):
    TokenKeeper.element(token=token)


def client_keys() -> tuple[str, str]:
    """(this page, its browser's address): what a join attempt is counted against."""
    page, address = "unknown", "unknown"
    with contextlib.suppress(Exception):  # noqa: BLE001 -- Solara internals: fall back to "unknown"
        from solara.server.kernel_context import get_current_context

        context = get_current_context()
        page = f"kernel:{context.id}"
        address = f"session:{context.session_id}"
        for ws in list(context.kernel.session.websockets):
            client = getattr(getattr(ws, "ws", None), "client", None)
            if client is not None and client.host:
                address = f"ip:{client.host}"
                break
    return page, address
