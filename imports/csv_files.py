"""Reading the CSV files people upload: which encoding and delimiter a file uses, and its rows
one at a time, so a file of any size is read in constant memory.

Spreadsheets write CSV in UTF-8 (Excel adds a BOM) or, on Russian Windows, in Windows-1251;
with a comma, a semicolon (Excel where the decimal mark is a comma) or a tab. Quoted fields may
hold delimiters and line breaks.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
UTF8, UTF8_WITH_BOM, WINDOWS_1251 = "utf-8", "utf-8-sig", "windows-1251"
# a cell longer than the csv module's default limit (a long comment) is still one cell
csv.field_size_limit(10 * 1024 * 1024)


@dataclass(frozen=True)
class CsvDialect:
    encoding: str
    delimiter: str


def encoding_detect(sample: bytes) -> str:
    """UTF-8 with a BOM, UTF-8, or else Windows-1251 (which decodes any byte sequence). A sample
    cut in the middle of a UTF-8 character still counts as UTF-8."""
    if sample.startswith(codecs.BOM_UTF8):
        return UTF8_WITH_BOM
    try:
        codecs.getincrementaldecoder(UTF8)().decode(sample, final=False)
    except UnicodeDecodeError:
        return WINDOWS_1251
    return UTF8


def delimiter_detect(sample: str) -> str:
    """The delimiter that splits the sample's rows into the same number of columns, most often
    and into the most columns (csv.Sniffer guesses wrong on quoted line breaks and on rows
    with empty cells). The sample's last row may be cut short, so it does not count."""

    def score(delimiter: str) -> tuple[int, int]:
        rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))[:-1] or [[]]
        width = len(rows[0])
        return sum(len(row) == width for row in rows) * (width > 1), width

    return max(DELIMITERS, key=score)


def dialect_detect(file: BinaryIO) -> CsvDialect:
    """The encoding and delimiter of the file, from its first SAMPLE_BYTES (the file is left at
    its start)."""
    file.seek(0)
    sample = file.read(SAMPLE_BYTES)
    file.seek(0)
    encoding = encoding_detect(sample)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    if len(sample) < SAMPLE_BYTES:  # the whole file: its last row is complete
        text += "\n"
    return CsvDialect(encoding=encoding, delimiter=delimiter_detect(text))


def csv_rows(file: BinaryIO, dialect: CsvDialect) -> Iterator[list[str]]:
    """The file's rows (the header first) as lists of cells, read as they are needed. Blank
    lines are left out. Raises ValidationError when the file is not in its detected encoding
    after all."""
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=dialect.encoding, newline="")
    try:
        for row in csv.reader(text, delimiter=dialect.delimiter):
            if any(cell.strip() for cell in row):
                yield row
    except UnicodeDecodeError as error:
        raise ValidationError(
            _("The file is not in one encoding (UTF-8 or Windows-1251) throughout.")
        ) from error
    except csv.Error as error:
        raise ValidationError(
            _("The file is not a CSV file: %(error)s") % {"error": error}
        ) from error
    finally:
        text.detach()  # the caller closes the file
