package devserver

// OnePartitionArgs are the `temporal server start-dev` flags that give
// every task queue one partition. The server splits a task queue's
// TaskQueueActivitiesPerSecond across its partitions (4 by default), and
// with pollers spread unevenly the account queues then dispatch below the
// budget: measured 85.8 % of HubSpot's ceiling with 4 partitions, 96.2 %
// with 1 (docs/configuration.md, "Rate budget"). Production clusters set
// the same keys for the account queues only (that page shows how).
func OnePartitionArgs() []string {
	return []string{
		"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
		"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
	}
}
