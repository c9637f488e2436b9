"""quotebot: a Slack bot that shares curated quotes."""
