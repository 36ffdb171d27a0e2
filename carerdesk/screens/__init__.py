"""The screens of the front desk, one a file, each with its styles beside it."""
