"""The one exception hierarchy of pivotwatch.

The library raises these; the CLI turns them into a one-line message and an exit code.
"""


class PivotwatchError(Exception):
    """Base class of every error pivotwatch raises on purpose."""

    exit_code = 1


class UsageError(PivotwatchError):
    """The caller asked for something that cannot be done (bad option, unknown code)."""

    exit_code = 2


class SourceError(PivotwatchError):
    """An input file cannot be read as the source it claims to be."""


class IntegrityError(SourceError):
    """A downloaded file does not match the size or checksum its index declares."""


class DownloadError(SourceError):
    """A file could not be fetched after all retries."""


class StoreError(PivotwatchError):
    """The store cannot be opened, migrated or written."""


class QualityError(SourceError):
    """A load broke the data-quality expectations declared for its source."""


class CostError(PivotwatchError):
    """A query would cost more than the caller allowed (BigQuery: bytes scanned above --max-gb),
    so it was not run."""


class DeliveryError(PivotwatchError):
    """Alerts could not be delivered: a feed file not written, a webhook or mail server that
    refused them or could not be reached."""
