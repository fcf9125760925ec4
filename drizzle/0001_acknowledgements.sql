CREATE TABLE `ack_checkpoints` (
	`tree_size` integer PRIMARY KEY NOT NULL,
	`root_hash` text NOT NULL,
	`frontier` text NOT NULL,
	`created_at` text NOT NULL,
	`key_id` text NOT NULL,
	`signature` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `acknowledgements` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`receipt_id` text NOT NULL,
	`official_id` integer NOT NULL,
	`external_id` text NOT NULL,
	`official_name` text NOT NULL,
	`unit` text NOT NULL,
	`typed_name` text NOT NULL,
	`notice_id` text NOT NULL,
	`version` integer NOT NULL,
	`version_sha256` text NOT NULL,
	`lang` text NOT NULL,
	`text_sha256` text NOT NULL,
	`statement` text NOT NULL,
	`acknowledged_at` text NOT NULL,
	`request_id` text NOT NULL,
	`user_agent` text NOT NULL,
	`ip_hash` text,
	`key_id` text NOT NULL,
	`record_hash` text NOT NULL,
	`signature` text NOT NULL,
	FOREIGN KEY (`official_id`) REFERENCES `officials`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`notice_id`,`version`) REFERENCES `notice_versions`(`notice_id`,`version`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `acknowledgements_receipt_id` ON `acknowledgements` (`receipt_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `acknowledgements_official_version` ON `acknowledgements` (`official_id`,`notice_id`,`version`);--> statement-breakpoint
CREATE INDEX `acknowledgements_version` ON `acknowledgements` (`notice_id`,`version`);--> statement-breakpoint
CREATE TABLE `link_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`notice_id` text NOT NULL,
	`version` integer NOT NULL,
	`unit` text,
	`due_date` text,
	`expires_at` text NOT NULL,
	`officials` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `link_batches_version` ON `link_batches` (`notice_id`,`version`,`created_at`);--> statement-breakpoint
CREATE TABLE `officials` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`external_id` text NOT NULL,
	`name` text NOT NULL,
	`unit` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deactivated_at` text,
	`last_import_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `officials_external_id` ON `officials` (`external_id`);--> statement-breakpoint
CREATE INDEX `officials_active_unit` ON `officials` (`active`,`unit`);--> statement-breakpoint
CREATE TABLE `roster_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`imported_at` text NOT NULL,
	`mode` text NOT NULL,
	`scope` text,
	`body_sha256` text NOT NULL,
	`rows` integer NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`reactivated` integer NOT NULL,
	`deactivated` integer NOT NULL
);
