"""Modal dialogs: a question, a short form or a choice over the screen that asked for it."""
