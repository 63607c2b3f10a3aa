-- Default tiers and the five languages. Operators change these rows with SQL;
-- no code change is needed to add a language (see docs/LANGUAGES.md).

INSERT INTO rate_limit_tiers (tier, requests_per_minute, max_concurrent) VALUES
    ('basic', 60, 10),
    ('pro',  600, 50);

INSERT INTO language_configs (language_id, display_name, docker_image, source_file,
                              compile_command, execute_command, timeout_seconds,
                              compile_timeout_seconds, max_memory_mb, max_processes) VALUES
    ('python', 'Python 3.11', 'coderank/python:1', 'main.py',
     NULL, 'python3 main.py', 10, 30, 256, 64),
    ('java', 'Java 17', 'coderank/java:1', 'Main.java',
     'javac -J-Xshare:auto -J-XX:TieredStopAtLevel=1 -J-Xss4m Main.java',
     'java -Xshare:auto -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss8m Main', 15, 30, 512, 256),
    ('javascript', 'Node.js 18', 'coderank/javascript:1', 'main.js',
     NULL, 'node main.js', 10, 30, 256, 64),
    ('cpp', 'C++ 17 (GCC 12)', 'coderank/cpp:1', 'main.cpp',
     'g++ -std=c++17 -O2 -pipe -o main main.cpp', './main', 15, 30, 512, 64),
    ('c', 'C 11 (GCC 12)', 'coderank/c:1', 'main.c',
     'gcc -std=c11 -O2 -pipe -o main main.c -lm', './main', 10, 30, 256, 64);
