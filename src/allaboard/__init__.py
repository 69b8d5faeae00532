"""All Aboard: the people side of customer-service change."""

__version__ = "0.1.0"
