// Busy loop on all cores in Java, forever: ends at the wall-clock limit.
// language: java
// family: resources
// limits: fast
// status: timeout
// exit-signal: 9
// stdout-contains: spinning
public class Main {
    static volatile long sink;

    public static void main(String[] a) {
        for (int i = 0; i < 8; i++) {
            new Thread(() -> { for (;;) sink++; }).start();
        }
        System.out.println("spinning");
        System.out.flush();
        for (;;) sink--;
    }
}
