-- Java: one JIT compiler thread for javac and for the program (issue 5).
--
-- The container has one CPU; with -XX:TieredStopAtLevel=1 the JVM still starts
-- several C1 compiler threads, which only take turns with the main thread.
-- Measured in the image under --cpus 1, 8 alternating runs each, 2026-11-26:
-- javac of a hello world 545 -> 530 ms, the program 158 -> 139 ms.
-- Only rows still carrying the previous commands are changed.
UPDATE language_configs
   SET compile_command = 'java -XX:SharedArchiveFile=/usr/lib/jvm/coderank-javac.jsa '
                         '-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC '
                         '-XX:-UsePerfData -Xss4m com.sun.tools.javac.Main -proc:none Main.java'
 WHERE language_id = 'java'
   AND compile_command = 'java -XX:SharedArchiveFile=/usr/lib/jvm/coderank-javac.jsa '
                         '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xss4m '
                         'com.sun.tools.javac.Main -proc:none Main.java';

UPDATE language_configs
   SET execute_command = 'java -Xshare:auto -XX:+UseSerialGC -XX:TieredStopAtLevel=1 '
                         '-XX:CICompilerCount=1 -XX:-UsePerfData -Xss8m Main'
 WHERE language_id = 'java'
   AND execute_command = 'java -Xshare:auto -XX:+UseSerialGC -XX:TieredStopAtLevel=1 '
                         '-XX:-UsePerfData -Xss8m Main';
