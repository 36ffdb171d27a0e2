"""Run carerdesk with ``python -m carerdesk``."""

from carerdesk.cli import main

main()
