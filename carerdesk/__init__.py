"""carerdesk: a keyboard-driven front desk for carers centres."""

__version__ = "0.1.0"
