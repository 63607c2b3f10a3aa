"""Verify a CodeRank webhook: verify(secret, headers["CodeRank-Signature"], raw_body)."""
import hashlib, hmac, time

def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    fields = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t, sig = fields.get("t", ""), fields.get("v1", "")
    if not t.isdigit() or abs(time.time() - int(t)) > tolerance:
        return False                    # too old (or from the future): a replay
    want = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, sig)
