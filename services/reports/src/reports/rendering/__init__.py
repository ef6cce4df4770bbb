"""Notes as HTML and PDF. Heavy (matplotlib, WeasyPrint): imported when a note is rendered."""

# Part of every ETag of a note: change it when the look of notes changes, so caches revalidate.
RENDER_VERSION = "1"
