// The environment and the system properties as the JVM sees them.
// language: java
// family: escape
// status: completed
// stdout-contains: ENV PATH=
// stdout-contains: user.name=?
// output-not-contains: CODERANK
// output-not-contains: JWT
// output-not-contains: PGHOST
// output-not-contains: DATABASE
import java.util.Map;
import java.util.TreeMap;

public class Main {
    public static void main(String[] a) {
        for (Map.Entry<String, String> e : new TreeMap<>(System.getenv()).entrySet())
            System.out.println("ENV " + e.getKey() + "=" + e.getValue());
        System.out.println("user.name=" + System.getProperty("user.name"));
        System.out.println("user.home=" + System.getProperty("user.home"));
    }
}
