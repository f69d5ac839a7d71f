"""One module per command; the CLI only parses options and calls into these."""
