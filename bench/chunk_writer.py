"""Inserting the seeder's chunks, each in one transaction, on background threads.

The database, not Python, is the slower half of seeding (index upkeep and foreign-key checks),
so on PostgreSQL two threads, each with its own connection, insert chunks while the caller
prepares the next ones: that keeps both cores of a small machine busy.
"""

import queue
import threading
from collections import Counter
from collections.abc import Sequence

from django.db import connection, transaction

from .bulk_insert import Batch, BulkInserter


class ChunkWriter:
    """Inserts chunks (sequences of batches, parents before children), each in its own
    transaction.

    With `threads` > 0 that many threads insert the chunks; at most `threads` chunks wait in
    the queue, so memory stays bounded. With `threads` = 0, `write` inserts in the calling
    thread, in its connection and transaction. Use it as a context manager: leaving the block
    waits for the queued chunks, and raises the first error a thread met (a later `write`
    raises it too, and the chunks still queued are then skipped).
    """

    def __init__(self, inserter: BulkInserter, *, threads: int):
        self.rows_written: Counter[str] = Counter()  # table -> rows inserted
        self._inserter = inserter
        self._queue: queue.Queue[Sequence[Batch] | None] = queue.Queue(maxsize=max(threads, 1))
        self._threads = [
            threading.Thread(target=self._work, name=f"seed-writer-{number}", daemon=True)
            for number in range(threads)
        ]
        self._errors: list[Exception] = []
        self._is_stopping = False
        self._lock = threading.Lock()

    def __enter__(self) -> "ChunkWriter":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc is not None:
            self._is_stopping = True
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        if self._errors and exc is None:
            raise self._errors[0]

    def write(self, batches: Sequence[Batch]) -> None:
        """Insert one chunk, now or (with threads) as soon as a thread is free."""
        if self._errors:
            raise self._errors[0]
        if self._threads:
            self._queue.put(batches)
        else:
            self._insert(batches)

    def _work(self) -> None:
        try:
            while (batches := self._queue.get()) is not None:
                if self._errors or self._is_stopping:
                    continue
                try:
                    self._insert(batches)
                except Exception as error:  # handed to the caller by write() or __exit__
                    self._errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    def _insert(self, batches: Sequence[Batch]) -> None:
        with transaction.atomic():
            for batch in batches:
                self._inserter.insert(batch)
        with self._lock:
            for batch in batches:
                self.rows_written[batch.table] += batch.row_count
