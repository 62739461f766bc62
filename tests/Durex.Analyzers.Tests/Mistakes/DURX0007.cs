using Durex;

// DURX0007: the same name for both generated classes (the defaults are used meanwhile).
[assembly: DurexGeneratedCode(JobsClassName = "Work", WorkflowsClassName = "Work")]
