"""Task files: the strict task-file schema (`spec`), the catalogue of tasks and suites (`catalog`) and the ESCO language variants (`variants`)."""
