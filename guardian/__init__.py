"""pool-guardian: keeps Docker's devicemapper thin pool from filling up."""

__version__ = "0.1.0"
