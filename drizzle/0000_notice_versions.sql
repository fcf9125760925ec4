CREATE TABLE `notice_versions` (
	`notice_id` text NOT NULL,
	`version` integer NOT NULL,
	`sha256` text NOT NULL,
	`effective_from` text NOT NULL,
	`registered_at` text NOT NULL,
	PRIMARY KEY(`notice_id`, `version`)
);
