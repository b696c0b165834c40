"""Admission records from Vietnamese news articles about party-member recruitment."""
from .pipeline import Pipeline, extract
from .schema import Document, Record

__all__ = ["Pipeline", "extract", "Document", "Record"]
