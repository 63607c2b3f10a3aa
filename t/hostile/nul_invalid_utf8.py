# NUL bytes and invalid UTF-8 (stray continuation bytes, an overlong encoding,
# a UTF-16 surrogate, a code point past U+10FFFF, a truncated sequence) on both
# streams: the answer is valid JSON, NUL comes back as \u0000 and every invalid
# sequence as U+FFFD; the valid text around them is intact.
# language: python
# family: bytes
# status: completed
# stdout-contains: 'A\x00B\ufffdC'
# stdout-contains: '\ufffdD'
# stdout-contains: 'caf\u00e9 \u65e5\u672c \U0001f600\nEND\n'
# stderr-contains: 'err\x00\ufffd'
import sys

bad = b"A\x00B\xffC\x80\x80D\xc0\xafE\xed\xa0\x80F\xf4\x90\x80\x80G\xe6\x97H"
sys.stdout.buffer.write(bad + b"\ncaf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\nEND\n")
sys.stderr.buffer.write(b"err\x00\xfe\xff\n")
