// A 16 GiB array in Java: the JVM sizes its heap from the container's memory
// limit (a quarter of it), so it refuses with OutOfMemoryError instead of
// being OOM-killed; the program catches it and goes on.
// language: java
// family: resources
// status: completed
// stdout-contains: CAUGHT java.lang.OutOfMemoryError
// stdout-contains: DONE
public class Main {
    public static void main(String[] a) {
        try {
            long[] big = new long[Integer.MAX_VALUE - 16];
            big[big.length - 1] = 1;
            System.out.println("ESCAPED: got " + big.length + " longs");
        } catch (OutOfMemoryError e) {
            System.out.println("CAUGHT " + e);
        }
        System.out.println("DONE");
    }
}
