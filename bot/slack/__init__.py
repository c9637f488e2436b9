"""The Slack side of posting: Web API clients, paced and retried sends, channel membership.

Edge code: the quote-of-the-day domain (`bot.daily`) decides what and when and hands
a `Post` to `bot.slack.sender.SlackSender`; only this package talks to Slack for it.
"""
