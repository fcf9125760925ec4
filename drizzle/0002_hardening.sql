ALTER TABLE `ack_checkpoints` ADD `format` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `ack_checkpoints` ADD `prev_hash` text;--> statement-breakpoint
ALTER TABLE `acknowledgements` ADD `receipt_type` text DEFAULT 'redlines.acknowledgement/1' NOT NULL;--> statement-breakpoint
ALTER TABLE `acknowledgements` ADD `log_after` integer;--> statement-breakpoint
ALTER TABLE `acknowledgements` ADD `log_checkpoint_size` integer;--> statement-breakpoint
ALTER TABLE `acknowledgements` ADD `log_checkpoint_hash` text;