"""CDS Hooks order-sign service for dexrazoxane (payer policy CP.PHAR.418)."""

__version__ = "0.1.0"
