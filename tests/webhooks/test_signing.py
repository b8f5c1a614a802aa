from webhooks.signing import body_encode, secret_generate, signature_compute, signature_is_valid


def test_the_receiver_recomputes_the_signature_over_timestamp_and_body():
    secret = secret_generate()
    body = body_encode({"event": "deal.created", "data": {"deal_id": 7, "title": "Заказ"}})

    signature = signature_compute(secret=secret, timestamp="1700000000", body=body)

    assert signature.startswith("sha256=") and len(signature) == len("sha256=") + 64
    assert signature_is_valid(secret=secret, timestamp="1700000000", body=body, signature=signature)
    assert not signature_is_valid(
        secret=secret, timestamp="1700000000", body=body + b" ", signature=signature
    )
    assert not signature_is_valid(
        secret=secret, timestamp="1700000001", body=body, signature=signature
    )
    assert not signature_is_valid(
        secret=secret_generate(), timestamp="1700000000", body=body, signature=signature
    )


def test_the_signature_is_the_documented_hmac():
    import hashlib
    import hmac

    expected = hmac.new(b"s3cret", b"1700000000.{}", hashlib.sha256).hexdigest()

    assert signature_compute(secret="s3cret", timestamp="1700000000", body=b"{}") == (
        f"sha256={expected}"
    )


def test_secrets_are_new_each_time():
    assert len(secret_generate()) == 64
    assert secret_generate() != secret_generate()
