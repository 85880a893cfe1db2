import { Module } from '@nestjs/common';
import { SigningSecretsController } from './signing-secrets.controller.js';
import { SigningSecretsService } from './signing-secrets.service.js';

@Module({ controllers: [SigningSecretsController], providers: [SigningSecretsService] })
export class SigningSecretsModule {}
