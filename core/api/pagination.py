from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Cursor pages (`?cursor=`): stable under inserts and as fast on page 1,000 as on page 1,
    newest first unless `?ordering=` says otherwise. `?page_size=` up to 200."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")
