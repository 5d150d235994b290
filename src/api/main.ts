import 'reflect-metadata';
import { startService } from '../runtime/service-main';
import { startApiServer } from './api.server';

void startService('api', startApiServer);
