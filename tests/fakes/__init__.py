"""Test doubles of Telegram: a recording Bot session and a fake Bot API HTTP server."""
