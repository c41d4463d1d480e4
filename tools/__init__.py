"""Maintenance tools (not installed): docs generators and the validation refresh."""
