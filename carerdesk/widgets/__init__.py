"""Reusable widgets of the front desk."""
