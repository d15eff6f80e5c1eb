"""Pure rendering: data in, text out (previews as text and HTML)."""
