"""The team's quote book: quotes people save and add in Slack, reviewed, edited and hidden.

- `markup`: a Slack message's text as Markdown, people named rather than mentioned;
- `drafts`: what a quote form holds, and what is wrong with it, field by field;
- `entries`: saving, reviewing, editing, removing and hiding, with who may do each;
- `library`: the collection each workspace sees (the quote files plus its own book),
  kept up to date in place as the book changes, on every instance.
"""
