"""Lab autograder: student notebooks run in a jail; probes return plain data; checks run outside."""
