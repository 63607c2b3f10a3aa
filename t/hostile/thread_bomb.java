// Thread bomb: thousands of sleeping threads. PidsLimit (256 for Java) counts
// threads too: the JVM gets "unable to create native thread" long before 5000.
// language: java
// family: resources
// status: completed
// stdout-regex: LIMITED after \d+ threads
// stdout-not-contains: ESCAPED
public class Main {
    public static void main(String[] a) {
        int n = 0;
        try {
            for (; n < 5000; n++) {
                Thread t = new Thread(() -> {
                    try {
                        Thread.sleep(600000);
                    } catch (InterruptedException e) {
                    }
                });
                t.setDaemon(true);
                t.start();
            }
            System.out.println("ESCAPED: started " + n + " threads");
        } catch (Throwable e) {
            System.out.println("LIMITED after " + n + " threads: " + e);
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
