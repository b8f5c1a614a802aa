"""A small CommerceML shop: the 1C-Bitrix side of the "1C exchange", for demos and tests.

The CRM plays 1C against it: it pulls the shop's orders (`query`/`success`) and pushes
order statuses and new orders back (`file`/`import`). Standard library only; run it with
`python -m demo_shop --help`.
"""
