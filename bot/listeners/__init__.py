"""Slack listeners: thin functions that parse a payload, ask the domain, render, respond.

Each module has one `register(app, services)`; `bot.app` calls them all.
"""
