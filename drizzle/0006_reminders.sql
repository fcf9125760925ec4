CREATE TABLE `reminder_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_id` text NOT NULL,
	`rate_key` text NOT NULL,
	`at` text NOT NULL,
	`outcome` text NOT NULL,
	`attempt` integer NOT NULL,
	`http_status` integer,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `reminder_attempts_rate` ON `reminder_attempts` (`rate_key`,`at`);--> statement-breakpoint
CREATE INDEX `reminder_attempts_delivery` ON `reminder_attempts` (`delivery_id`,`id`);--> statement-breakpoint
CREATE TABLE `reminder_channels` (
	`id` text PRIMARY KEY NOT NULL,
	`unit` text NOT NULL,
	`purpose` text NOT NULL,
	`type` text NOT NULL,
	`url_cipher` text NOT NULL,
	`secret_cipher` text,
	`url_masked` text NOT NULL,
	`rate_key` text NOT NULL,
	`privacy` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reminder_channels_unit_purpose` ON `reminder_channels` (`unit`,`purpose`);--> statement-breakpoint
CREATE TABLE `reminder_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`notice_id` text NOT NULL,
	`version` integer NOT NULL,
	`channel_id` text NOT NULL,
	`unit` text NOT NULL,
	`purpose` text NOT NULL,
	`slot_date` text NOT NULL,
	`slot` text NOT NULL,
	`due_date` text NOT NULL,
	`status` text NOT NULL,
	`officials` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reminder_deliveries_slot` ON `reminder_deliveries` (`notice_id`,`version`,`channel_id`,`slot_date`);--> statement-breakpoint
CREATE INDEX `reminder_deliveries_created` ON `reminder_deliveries` (`created_at`);--> statement-breakpoint
CREATE TABLE `reminder_plans` (
	`notice_id` text NOT NULL,
	`version` integer NOT NULL,
	`due_date` text,
	`before_days` integer NOT NULL,
	`on_due_date` integer NOT NULL,
	`repeat_days` integer NOT NULL,
	`escalate_after_days` integer NOT NULL,
	`enabled` integer NOT NULL,
	`updated_at` text NOT NULL,
	`updated_by` text NOT NULL,
	PRIMARY KEY(`notice_id`, `version`)
);
--> statement-breakpoint
CREATE TABLE `unit_settings` (
	`unit` text PRIMARY KEY NOT NULL,
	`contact` text,
	`updated_at` text NOT NULL,
	`updated_by` text NOT NULL
);
