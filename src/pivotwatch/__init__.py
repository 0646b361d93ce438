"""pivotwatch: measure a strategic partnership from open data."""

from pivotwatch.api import indicators
from pivotwatch.errors import PivotwatchError
from pivotwatch.store import Store, open_store

__version__ = "0.1.0"
__all__ = ["PivotwatchError", "Store", "indicators", "open_store", "__version__"]
