"""What every resource of the REST API shares: one error shape, cursor pagination, `?fields=`
and idempotent creates. Imports no domain app."""
