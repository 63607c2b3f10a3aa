// Raw bytes from Java: NUL, Java's "modified UTF-8" NUL (C0 80), lone
// surrogates and 0xFF, written straight to both streams.
// language: java
// family: bytes
// status: completed
// stdout-contains: 'java\x00nul \ufffd'
// stdout-contains: '\nEND\n'
// stderr-contains: '\ufffd'
// stderr-contains: '\x00\n'
public class Main {
    public static void main(String[] a) throws Exception {
        byte[] b = { 'j', 'a', 'v', 'a', 0, 'n', 'u', 'l', ' ', (byte) 0xC0, (byte) 0x80, ' ',
                     (byte) 0xED, (byte) 0xB0, (byte) 0x80, ' ', (byte) 0xFF, '\n' };
        System.out.write(b);
        System.out.print("END\n");
        System.out.flush();
        System.err.write(new byte[] { (byte) 0xFF, (byte) 0xFE, 0, '\n' });
        System.err.flush();
    }
}
