CREATE TABLE `ack_counts` (
	`notice_id` text NOT NULL,
	`baseline` integer NOT NULL,
	`unit` text NOT NULL,
	`acknowledged` integer NOT NULL,
	PRIMARY KEY(`notice_id`, `baseline`, `unit`)
);
--> statement-breakpoint
CREATE TABLE `counters_ready` (
	`counter` text PRIMARY KEY NOT NULL,
	`counted_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `global_checkpoints` (
	`number` integer PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL,
	`heads` text NOT NULL,
	`key_id` text NOT NULL,
	`signature` text NOT NULL,
	`prev_hash` text
);
--> statement-breakpoint
CREATE TABLE `roster_counts` (
	`unit` text PRIMARY KEY NOT NULL,
	`active` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `shard_routes` (
	`prefix` text PRIMARY KEY NOT NULL,
	`shard` integer NOT NULL,
	`created_at` text NOT NULL
);
