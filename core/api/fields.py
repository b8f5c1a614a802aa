class SelectableFieldsMixin:
    """`?fields=id,title,amount` limits a serializer's output to those fields (unknown names
    are ignored), so a script reads only what it needs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        wanted = request.query_params.get("fields", "") if request is not None else ""
        if wanted and request.method == "GET":
            keep = {name.strip() for name in wanted.split(",")}
            for name in set(self.fields) - keep:
                self.fields.pop(name)
