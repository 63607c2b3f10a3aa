# Input with NUL, control characters, DEL, an escape sequence and characters of
# every UTF-8 length reaches the program byte for byte (the API's JSON carries
# the input as UTF-8 text, so it is valid UTF-8 by construction).
# language: python
# family: bytes
# status: completed
# stdin: '\x00\x01\x02\x07\x08\t\n\x0b\x0c\r\x1b[31m\x7f\x80\u00ff\u07ff\u0800\uffff\U00010000\U0010ffff\x00end'
# stdout-contains: 0001020708:090a0b0c0d1b5b33316d7fc280c3bfdfbfe0a080efbfbff0908080f48fbfbf00656e64
# stdout-contains: length 40
import sys

data = sys.stdin.buffer.read()
h = data.hex()
print(h[:10] + ":" + h[10:])
print("length %d" % len(data))
