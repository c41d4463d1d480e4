"""The classroom page (Solara): page, layout, charts, per-tab session, shared state, server."""
